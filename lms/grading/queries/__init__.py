"""Grading reads, one module per page group: the grade book, a trainer's queue, allocation,
trainers' progress, flagged grades, a participant's results, one submission's grading, rubric
copies. Import the module you need (``from lms.grading.queries import gradebook``)."""
