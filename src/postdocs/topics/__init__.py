"""Topics: the taxonomy (topics.yml), the classifier, its evaluation and report."""
