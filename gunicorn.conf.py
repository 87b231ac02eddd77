"""gunicorn's settings for the board, read from the directory gunicorn starts in (its default `./gunicorn.conf.py`);
flags on the command line override them. Older gunicorns skip the names they do not know."""

# gunicorn 25.1 and later open a control socket under $HOME by default; two app servers run by one user (two units on
# one machine, the two-server test, the fault runs) would fight over it, and nothing here uses it.
control_socket_disable = True
