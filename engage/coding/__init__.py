"""Theme coding of free-text answers: staff tag what residents wrote with a survey's
themes (suggested by keywords in each language) and count the themes by group."""
