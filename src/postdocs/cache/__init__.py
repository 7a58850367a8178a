"""Results kept on disk between builds: reader results and per-post results."""
