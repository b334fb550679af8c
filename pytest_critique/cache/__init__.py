"""The verdict cache: keys, modes and the on-disk store."""
