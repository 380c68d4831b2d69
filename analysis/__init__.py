"""Compare Chinese government environmental work plans (生态环境工作要点) across years and levels.

The pipeline, one subpackage a stage: text → parse → targets → align → compare → review → corpus →
report / evaluate. ``python -m analysis --help`` lists the commands; docs/architecture.md lists the modules.
"""

__version__ = "0.1.0"
