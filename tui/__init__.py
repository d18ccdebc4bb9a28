"""The Textual app (piano roll, knobs, tracks, prompt). Lands with the TUI issue."""
