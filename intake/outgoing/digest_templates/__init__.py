"""Templates of the managers' digest (a package so that Jinja's PackageLoader finds them)."""
