"""The tamper-evident access log: who did what to which record, for what purpose.

``service`` records and queries entries, ``chain`` seals them into a hash chain, signs
checkpoints and verifies both, ``cli`` is the operator's ``audit`` command group.
"""
