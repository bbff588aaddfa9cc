"""The regional innovation index (IID): yearly rules as data, and pure scoring."""
