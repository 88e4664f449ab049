"""The shared kernel: paths, config, the event catalogue (SQLite) and its schema runner, durable
writes, the one definition of an image, search ranking, logs. No Qt, no torch; every other
package may import it, it imports none of them."""
