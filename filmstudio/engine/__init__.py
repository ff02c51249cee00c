"""Evaluation: the pull scheduler, the frame cache, executors and jobs. No Qt."""
