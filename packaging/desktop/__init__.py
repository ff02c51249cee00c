"""The desktop entry, AppStream metainfo and icons, installed as the package data
``filmstudio.resources.desktop`` and written into the user's XDG folders by
``filmstudio install-desktop`` (:mod:`filmstudio.bundle.desktop`)."""
