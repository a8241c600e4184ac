"""Files in and out: readers, the validated import path, export, templates, copy, dataset."""
