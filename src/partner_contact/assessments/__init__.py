"""One structured home-situation assessment per call, its flags, and its corrections."""
