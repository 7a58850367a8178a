"""Getting inputs into content/channels/: a Desktop export added, a web preview fetched."""
