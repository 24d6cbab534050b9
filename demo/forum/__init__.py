"""禾城论坛: a local Discuz! X forum for ``minsheng demo`` and the crawler's tests."""
from demo.forum.app import create_forum_app
from demo.forum.faults import Faults
from demo.forum.serve import ForumServer, make_state, serve_forum
from demo.forum.state import BoardSpec, ForumState

__all__ = ["BoardSpec", "Faults", "ForumServer", "ForumState", "create_forum_app", "make_state", "serve_forum"]
