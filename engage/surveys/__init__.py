"""Survey authoring: surveys, questions, choices; editing, translation checks, publishing."""
