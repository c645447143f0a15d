"""The app's screens: the dashboard of panels, and the help overlay."""
