"""``geomap regions check``'s report: what the loaded layers hold."""
from __future__ import annotations

from typing import Sequence

from geomap.regions.geodesy import area_km2
from geomap.regions.model import Layer


def check_layers(layers: Sequence[Layer]) -> list[str]:
    """One summary line per layer and per region (area, bounding box), then any warnings."""
    lines = []
    for layer in layers:
        shown = "shown" if layer.show else "hidden"
        credit = f"; data: {', '.join(layer.attribution)}" if layer.attribution else ""
        lines.append(f"{layer.name} ({layer.label}): {len(layer.regions)} region"
                     f"{'s' if len(layer.regions) != 1 else ''}, {shown}{credit}")
        for region in layer.regions:
            w, s, e, n = region.geometry.bounds
            lines.append(f"  {region.name}: {area_km2(region.geometry):,.0f} km², "
                         f"bbox {w:.3f},{s:.3f},{e:.3f},{n:.3f} (W,S,E,N), "
                         f"{len(region.geometry.geoms) if hasattr(region.geometry, 'geoms') else 1} part(s)")
        lines.extend(f"  warning: {message}" for message in layer.warnings)
    return lines

