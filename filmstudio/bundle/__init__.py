"""What the installed application brings besides its code: writable copies of the bundled demo
projects (:mod:`.demos`) and the desktop entry with its icons (:mod:`.desktop`)."""
