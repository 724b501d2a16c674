"""Boxes: labelled lots of one item, and what volunteers and managers do with them."""
