"""Consumers of verify events: console progress, JUnit XML, HTML."""
