// Module Rendering.
