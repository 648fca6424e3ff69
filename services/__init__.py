"""Destek's services. Each subpackage is one service; ``shared`` is their common plumbing."""
import warnings

# nameko 2.14 is built on eventlet, whose import warns about its own deprecation
# in every process; the warning is known and says nothing to an operator.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
