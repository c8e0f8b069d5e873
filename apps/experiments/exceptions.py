class ChatbotActionError(Exception):
    """A chatbot change that cannot be made; the message is for the user."""
