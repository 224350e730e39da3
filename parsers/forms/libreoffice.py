"""Running LibreOffice to convert one document: the one place it is launched (form reading and page previews).

Each conversion runs in a temporary folder, in its own process group (soffice is a launcher: on a time-out the
whole group is killed, or soffice.bin would outlive us), with a user profile that is never shared between
processes running side by side (they would lock it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path


class LibreOfficeTimeoutError(Exception):
    """The conversion took longer than its time limit; LibreOffice has been killed."""


def soffice_path() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert_document(soffice: str, data: bytes, *, suffix: str, target: str, timeout: float,
                     profile: Path | None = None) -> bytes | None:
    """The document converted to `target` ("pdf", "docx:MS Word 2007 XML"), or None when LibreOffice made
    nothing. `profile` is a user installation to reuse (a reader's own, which saves LibreOffice the seconds it
    spends creating one); by default a fresh one inside the temporary folder."""
    with tempfile.TemporaryDirectory(prefix="intake-soffice-") as tmp:
        work = Path(tmp)
        source = work / f"document{suffix}"
        source.write_bytes(data)
        command = [soffice, f"-env:UserInstallation={(profile or work / 'profile').as_uri()}", "--headless",
                   "--norestore", "--convert-to", target, "--outdir", str(work / "out"), str(source)]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise LibreOfficeTimeoutError() from exc
        result = work / "out" / f"document.{target.split(':', 1)[0]}"
        return result.read_bytes() if result.exists() else None
