"""Pure triage rules: values in, frozen values out. "Today" and the calendar are passed in."""
