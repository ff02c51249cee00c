"""Project templates: whole graphs built with the scripting API from a few words.

- :func:`filmstudio.templates.animatic.build_animatic`: a logline becomes an animatic — a scene
  and its shots written by a language model, a face per character, a background per shot, title
  cards, voices, subtitles and the sound mixed, on a timeline from the script's timing model.
"""
