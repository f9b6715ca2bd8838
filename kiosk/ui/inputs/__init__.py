"""Touch inputs for form fields: keypads, the date picker, the Chinese keyboard and the handwriting pad."""
