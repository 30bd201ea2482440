"""mmcrec: multimodal conversational recommendation, explained, with feedback that trains the next model."""

__version__ = "0.1.0"
