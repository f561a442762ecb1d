"""Model building blocks shared by several apps."""
