"""Gold layer: business metrics computed from silver."""
