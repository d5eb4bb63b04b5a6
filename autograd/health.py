"""What counts as a vanishing or an exploding gradient: one definition, read by
nn.fit's gradient-health warnings and by draw(color_by="grad").

- exploding: a gradient norm above EXPLODING_NORM (fit: any layer's; the
  drawing: one Value's |grad|); a nan or inf gradient too;
- vanishing: a gradient norm below VANISHING_RATIO times the one it is
  compared with (fit: the first layer's against the last layer's; the
  drawing: a Value's |grad| against the root's), or below VANISHING_NORM while
  the loss is still above LOSS_FLOOR (fit only: the drawing knows no loss).
"""

from __future__ import annotations

VANISHING_RATIO = 1e-3
VANISHING_NORM = 1e-6
LOSS_FLOOR = 1e-3
EXPLODING_NORM = 1e3
