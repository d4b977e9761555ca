"""The shipped questionnaire editions (edition-<code>.json) and their loader."""
