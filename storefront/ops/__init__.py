"""Operators' tools: what running the shop for real needs beyond serving it."""
