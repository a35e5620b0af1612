"""Indicators for coordinators: the calendar of periods, the marginal tables, their
suppression, and the drawing of charts, free of any database or channel."""
