"""``lakehouse health``: is every configured service up, and is the data where it should be?"""
