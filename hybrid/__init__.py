"""hybrid: the pipeline joining scenes, simulation, conditioning and the video DiT; the `kinema` CLI."""
