"""Search components: query analysis, hybrid retrieval in Qdrant, duplicate grouping, answers."""
