"""What other packages may react to in payments, without payments knowing them.

`processor_failed` is sent when a call to the payment company fails (sender: the
ProcessorClient; kind="unavailable" when no usable answer came: refused, timed out, 5xx,
malformed; kind="refused" for an error answer that is not a decline). The operators' metrics
count it. A receiver must never raise: the shopper's payment error is what matters.
"""
from blinker import Namespace

processor_failed = Namespace().signal("processor-failed")
