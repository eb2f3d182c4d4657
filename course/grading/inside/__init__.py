"""What runs inside a sandbox: the pre-loaded zygote, the one-kernel runner, and the output contract they share.

Modules here are started as ``python -m course.grading.inside.<name>`` inside bubblewrap. They
import nothing of the course but this package, so a sandbox starts fast and sees no grader code.
"""
