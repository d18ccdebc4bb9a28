"""The brief layer: plain words and Claude's answers turned into generator requests and clips.

`request` holds the structured `GenerationRequest` (also the schema Claude answers in) and
`realize`, which runs a request through the offline generator; `brief` is the offline parser
of the same vocabulary. Nothing here is imported by the layers below.
"""
