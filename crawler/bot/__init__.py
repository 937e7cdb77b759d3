"""The citizen bot: visits one declared service the way a citizen or business would (R7).

It records what it saw as steps; it never decides a level. `checks/service_level.py` does.
"""
