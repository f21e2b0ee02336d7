"""The sandbox processor: a stand-in payment company, run as its own process with its own
private key, so the shop's code can be tested against a real boundary (P5, P13)."""
