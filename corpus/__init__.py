"""ViA Kennisbank corpus: documents, manifest and the PDF build script."""
