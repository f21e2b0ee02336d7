"""What other packages may react to in an order's life, without orders knowing them.

`order_placed` is sent inside the order's transaction once the order and its lines exist
(sender: the order; lines=[OrderLine, ...]). A receiver's writes commit or roll back with
the order; a receiver must never raise (an order is not refused for a side effect).
"""
from blinker import Namespace

order_placed = Namespace().signal("order-placed")
