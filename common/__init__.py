"""What the conversations (bot/), the background jobs (workers/) and the shell (wugong/) share.

Below them and above the data layer: settings, errors, the process runtime and its logging,
translations, jobs sent by name, and the words people read — decisions, findings, status
news, reminders, the roster and its links. Nothing here knows a channel or a dialog.
"""
