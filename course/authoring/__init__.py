"""The instructor's authoring tools: release, validate, sample classes, the demo, the syllabus, notebook runs.

They build on the grading engine (``course.grading``) and never on the lesson code.
"""
