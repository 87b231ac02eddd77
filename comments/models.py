"""Readers' comments under stories. The comment model arrives with the comments work; the app is here so the
dependency direction (comments -> articles) is fixed from the start."""
