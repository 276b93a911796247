"""Programs: the campaigns that give milestones their points and gifts their budget."""
