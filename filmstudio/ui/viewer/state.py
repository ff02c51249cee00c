"""What the viewer is set to show (channel, proxy, A/B wipe, mask overlay) and which node outputs
that means. Plain Python, GUI thread: the toolbar and shortcuts change it, the frame requester
reads it when it captures a request."""

from __future__ import annotations

from dataclasses import dataclass, field

from filmstudio.core.graph import Graph, NodeInstance
from filmstudio.core.types import PortType
from filmstudio.ui.viewer.display import Channel, default_view

PROXY_SCALES = (1.0, 0.5, 0.25)
SCRUB_SCALE = 0.25  # automatic proxy while the playhead is dragged, when full frames are slow
_VIEWABLE = (PortType.IMAGE, PortType.MASK)


@dataclass(frozen=True)
class Layer:
    """One thing the viewer paints: ``output`` of node ``node`` (a uuid). A Mask output is shown as
    grey, or, with ``under`` (node uuid, output), in red over that image."""

    node: str
    output: str
    mask: bool = False
    under: tuple[str, str] | None = None
    label: str = ""  # for the pixel readout: "A Grade1" while wiping, else the node's name
    name: str = ""  # the node's name when captured (error texts; the graph is not read off-thread)


@dataclass
class ViewerState:
    """The viewer's settings. ``input_a``/``input_b`` are the nodes the wipe compares (keys 1 and
    2 assign the viewed node to them; unset means "the viewed node")."""

    channel: Channel = Channel.RGB
    # Start where Write "auto" renders movies: colour.default_view() (see the Write's "viewer" too).
    display: str = field(default_factory=lambda: default_view()[0])
    view: str | None = field(default_factory=lambda: default_view()[1])  # None: the display's default
    exact: bool = False  # run the view itself, not its baked LUT (slow views cost ~60 ms a frame)
    proxy: float = 1.0
    auto_proxy: bool = True
    scrubbing: bool = False
    # How long the last full-resolution frame took to compute (the frame requester learns it) and
    # the project's frame interval: automatic proxy acts only when the first exceeds the second.
    last_full_seconds: float = 0.0
    frame_interval: float = 1 / 24
    wipe: bool = False
    input_a: str | None = None
    input_b: str | None = None
    mask_overlay: bool = False
    outputs: dict[str, str] = field(default_factory=dict)  # node uuid -> the output to view

    @property
    def scale(self) -> float:
        """The proxy scale to evaluate at now: 1/4 while scrubbing with automatic proxy, if the
        last full-resolution frame took longer than a frame interval (a 15 ms graph scrubs at
        full resolution; a 15 s model at a quarter, refined on release)."""
        if self.scrubbing and self.auto_proxy and self.last_full_seconds > self.frame_interval:
            return min(self.proxy, SCRUB_SCALE)
        return self.proxy

    def layers(self, graph: Graph, viewed: str | None) -> tuple[Layer, ...]:
        """The layers to show: the viewed node, or A then B while wiping."""
        if not self.wipe:
            chosen: tuple[str | None, ...] = (viewed,)
        else:
            chosen = (self.input_a or viewed, self.input_b or viewed)
        found = []
        for uuid, label in zip(chosen, ("A", "B"), strict=False):
            node = graph.nodes.get(uuid) if uuid else None
            layer = self._layer(graph, node, label if self.wipe else "") if node is not None else None
            if layer is not None:
                found.append(layer)
        return tuple(found)

    def _layer(self, graph: Graph, node: NodeInstance, label: str) -> Layer | None:
        viewable = [o for o in node.type.outputs if o.type in _VIEWABLE]
        if not viewable:
            return None
        wanted = self.outputs.get(node.uuid)
        output = next((o for o in viewable if o.name == wanted), viewable[0])
        label = f"{label} {node.name}".strip()
        if output.type is not PortType.MASK:
            return Layer(node.uuid, output.name, label=label, name=node.name)
        under = self._image_under(graph, node) if self.mask_overlay else None
        return Layer(node.uuid, output.name, True, under, label, node.name)

    @staticmethod
    def _image_under(graph: Graph, node: NodeInstance) -> tuple[str, str] | None:
        """The image a mask belongs to: the node's own image output, else the image it reads."""
        for output in node.type.outputs:
            if output.type is PortType.IMAGE:
                return node.uuid, output.name
        links = graph.input_links(node.uuid)
        for port in node.type.inputs:
            link = links.get(port.name)
            if link is not None and graph.output_type(link.source, link.source_port) is PortType.IMAGE:
                return link.source, link.source_port
        return None


def viewable_outputs(node: NodeInstance) -> list[str]:
    """Names of ``node``'s outputs the viewer can show (images and masks)."""
    return [o.name for o in node.type.outputs if o.type in _VIEWABLE]
