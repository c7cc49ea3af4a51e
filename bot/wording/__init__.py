"""How records are said to people: announcements, labels, results (gettext); shared by commands and due work."""
