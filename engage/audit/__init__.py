"""The audit log: who exported, published or changed what, and when."""
