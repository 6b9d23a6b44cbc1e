"""Retention and table maintenance: the weekly ``lakehouse_maintenance`` job and the one place retention is set."""
